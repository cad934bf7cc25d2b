/**
 * The generated TypeScript client driven by a Python test, one JSON command per stdin line and
 * one JSON answer per stdout line, so the test can put the same calls to native gRPC and to
 * the gateway and compare what comes back (tests/test_gateway_node.py).
 *
 *   {"id": 1, "op": "call", "service": "identity", "method": "GetEnterprise", "request": {...}, "token": "..."}
 *     -> {"id": 1, "response": {...}} or {"id": 1, "error": {"code": "PERMISSION_DENIED", "reason": ..., "metadata": ...}}
 *   {"id": 2, "op": "subscribe", "request": {...}, "token": "..."}   (Subscribe; or any server stream
 *     with "service" and "method")
 *     -> {"id": 2, "item": {...}} for each item, then {"id": 2, "end": true} or {"id": 2, "error": {...}}
 *   {"id": 3, "op": "close", "stream": 2}  -> {"id": 3, "closed": true}
 *   {"id": 4, "op": "render", "text": {...NotificationText JSON...}, "locale": "zh-Hans"} -> {"id": 4, "title": ..., "body": ...}
 */
import { createInterface } from "node:readline";
import { fromJson, toJson, type DescMessage, type DescMethod, type JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  conveneTransport, errorInfo, GroupsService, IdentityService, LiveService, MeetingsService, NotificationsService,
  renderText, RoomService,
} from "../../clients/typescript/src/index.js";
import { NotificationTextSchema } from "../../clients/typescript/src/gen/convene/notifications/v1/notifications_pb.js";

const services = {
  identity: IdentityService, groups: GroupsService, live: LiveService, room: RoomService, meetings: MeetingsService,
  notifications: NotificationsService,
} as const;
// The process that serves each (its own browser edge when CONVENE_SERVICE_URLS names it).
const servedBy: Record<keyof typeof services, string> = {
  identity: "identity", groups: "groups", live: "live", room: "live", meetings: "meetings",
  notifications: "notifications",
};

interface Command {
  id: number;
  op: "call" | "subscribe" | "close" | "render";
  service?: keyof typeof services;
  method?: string;
  request?: JsonValue;
  token?: string;
  locale?: string;
  stream?: number;
  text?: JsonValue;
}

const gatewayUrl = process.env.CONVENE_GATEWAY_URL ?? "";
// Service name -> that service's own browser edge; a service not named is reached through the gateway.
const serviceUrls = JSON.parse(process.env.CONVENE_SERVICE_URLS || "{}") as Record<string, string>;
const protocol = process.env.CONVENE_PROTOCOL === "grpc-web" ? "grpc-web" : "connect";
const streams = new Map<number, AbortController>();

function send(value: object): void {
  process.stdout.write(JSON.stringify(value) + "\n");
}

function transportFor(command: Command): Transport {
  const baseUrl = serviceUrls[servedBy[command.service ?? "notifications"]] ?? gatewayUrl;
  return conveneTransport({ baseUrl, protocol, token: () => command.token, locale: command.locale });
}

function methodOf(command: Command): DescMethod {
  const service = services[command.service ?? "notifications"];
  const method = service.methods.find((m) => m.name === command.method);
  if (method === undefined) throw new Error(`no method ${command.service}/${command.method}`);
  return method;
}

function refusal(error: unknown): object {
  const connectError = ConnectError.from(error);
  const info = errorInfo(connectError);
  return {
    code: Code[connectError.code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase(),
    message: connectError.rawMessage,
    reason: info?.reason ?? "",
    domain: info?.domain ?? "",
    metadata: info?.metadata ?? {},
  };
}

function json(schema: DescMessage, message: unknown): JsonValue {
  return toJson(schema, message as never);
}

async function call(command: Command): Promise<void> {
  const method = methodOf(command);
  const client = createClient(services[command.service!], transportFor(command)) as unknown as
    Record<string, (request: unknown) => Promise<unknown>>;
  try {
    const response = await client[method.localName](fromJson(method.input, command.request ?? {}));
    send({ id: command.id, response: json(method.output, response) });
  } catch (error) {
    send({ id: command.id, error: refusal(error) });
  }
}

async function subscribe(command: Command): Promise<void> {
  const abort = new AbortController();
  streams.set(command.id, abort);
  // Any server stream: notifications' Subscribe unless the command names another.
  const named = { ...command, service: command.service ?? "notifications", method: command.method ?? "Subscribe" };
  const method = methodOf(named);
  const client = createClient(services[named.service], transportFor(named)) as unknown as
    Record<string, (request: unknown, options: { signal: AbortSignal }) => AsyncIterable<unknown>>;
  try {
    const request = fromJson(method.input, command.request ?? {}) as never;
    for await (const item of client[method.localName](request, { signal: abort.signal })) {
      send({ id: command.id, item: json(method.output, item) });
    }
    send({ id: command.id, end: true });
  } catch (error) {
    if (!abort.signal.aborted) send({ id: command.id, error: refusal(error) });
  }
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const command = JSON.parse(line) as Command;
  if (command.op === "call") void call(command);
  else if (command.op === "subscribe") void subscribe(command);
  else if (command.op === "render") {
    try {
      send({ id: command.id, ...renderText(fromJson(NotificationTextSchema, command.text ?? {}), command.locale ?? "en") });
    } catch (error) {
      send({ id: command.id, error: String(error) });
    }
  } else if (command.op === "close") {
    streams.get(command.stream ?? -1)?.abort();
    send({ id: command.id, closed: true });
  }
});
lines.on("close", () => {
  for (const abort of streams.values()) abort.abort();
});
send({ ready: true, protocol });
