/**
 * Convene's TypeScript client: typed clients for every service (generated from protos/ into
 * ./gen), a transport that carries the bearer token and the locale, and the ErrorInfo of a
 * refused call. Works in browsers (fetch) and in Node 20.
 *
 *   const transport = conveneTransport({ baseUrl: "http://127.0.0.1:8080", token: () => myToken });
 *   const convene = conveneClients(transport);
 *   const { live } = await convene.live.startLive({ requestId, groupId, title });
 *   for await (const item of convene.notifications.subscribe({ afterSequence })) { ... }
 */
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { CoversService } from "./gen/convene/groups/v1/covers_pb.js";
import { GroupsService } from "./gen/convene/groups/v1/groups_pb.js";
import { IdentityService } from "./gen/convene/identity/v1/identity_pb.js";
import { LiveService } from "./gen/convene/live/v1/live_pb.js";
import { ModerationService } from "./gen/convene/live/v1/moderation_pb.js";
import { RoomService } from "./gen/convene/live/v1/room_pb.js";
import { MeetingsService } from "./gen/convene/meetings/v1/meetings_pb.js";
import { NotificationsService } from "./gen/convene/notifications/v1/notifications_pb.js";

export { catalogFor, renderText, type Catalog } from "./texts.js";
export {
  clientAction, ERROR_CATALOG, errorInfo, reasonOf, type CatalogEntry, type ClientAction, type ConveneErrorInfo,
} from "./errors.js";

export interface TransportOptions {
  /** The gateway's address, e.g. `http://127.0.0.1:8080` (what `make run` prints). */
  baseUrl: string;
  /** The caller's bearer token; asked before every call, so a refreshed token is used at once. */
  token?: () => string | undefined;
  /** BCP 47 locale (`zh-Hans`, `en`) sent as `accept-language`: notifications come in it. A
   * function is asked before every call (a user who switches language). */
  locale?: string | (() => string);
  /** "connect" (the default) or "grpc-web" (what Envoy's grpc_web filter also speaks). */
  protocol?: "connect" | "grpc-web";
  /** A fetch of your own (tests, Node without a global fetch). */
  fetch?: typeof globalThis.fetch;
}

/** A Connect or gRPC-Web transport (binary messages) that adds the token and the locale. */
export function conveneTransport(options: TransportOptions): Transport {
  const auth: Interceptor = (next) => async (request) => {
    const token = options.token?.();
    if (token) request.header.set("authorization", `Bearer ${token}`);
    const locale = typeof options.locale === "function" ? options.locale() : options.locale;
    if (locale) request.header.set("accept-language", locale);
    return next(request);
  };
  const common = {
    baseUrl: options.baseUrl,
    useBinaryFormat: true,
    interceptors: [auth],
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  return options.protocol === "grpc-web" ? createGrpcWebTransport(common) : createConnectTransport(common);
}

export interface ConveneClients {
  identity: Client<typeof IdentityService>;
  groups: Client<typeof GroupsService>;
  /** Enterprise red-packet covers (served by the groups service). */
  covers: Client<typeof CoversService>;
  live: Client<typeof LiveService>;
  /** A live's room: its stream, comments, likes, raised hands (served by the live service). */
  room: Client<typeof RoomService>;
  /** Moderating a live's room and its reports (served by the live service). */
  moderation: Client<typeof ModerationService>;
  meetings: Client<typeof MeetingsService>;
  notifications: Client<typeof NotificationsService>;
}

/** One typed client per service, all over one transport (the gateway, or an ingress, routes by service). */
export function conveneClients(transport: Transport): ConveneClients {
  return {
    identity: createClient(IdentityService, transport),
    groups: createClient(GroupsService, transport),
    covers: createClient(CoversService, transport),
    live: createClient(LiveService, transport),
    room: createClient(RoomService, transport),
    moderation: createClient(ModerationService, transport),
    meetings: createClient(MeetingsService, transport),
    notifications: createClient(NotificationsService, transport),
  };
}

export {
  CoversService, GroupsService, IdentityService, LiveService, MeetingsService, ModerationService, NotificationsService,
  RoomService,
};
