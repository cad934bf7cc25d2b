/** What a refused call says, as Convene's error catalog (docs/ERRORS.md) documents it. */
import { Code, ConnectError } from "@connectrpc/connect";
import { ERROR_CATALOG, type ClientAction } from "./errors.gen.js";
import { ErrorInfoSchema } from "./gen/google/rpc/error_details_pb.js";

export { ERROR_CATALOG, type CatalogEntry, type ClientAction } from "./errors.gen.js";

export interface ConveneErrorInfo {
  /** The gRPC status, e.g. Code.PermissionDenied. */
  code: Code;
  /** UPPER_SNAKE_CASE and stable; what a client branches on. */
  reason: string;
  /** Always "convene.dev" for Convene's own refusals. */
  domain: string;
  /** Facts about the refusal (the field, the limit, the latest sequence, ...). */
  metadata: Record<string, string>;
  message: string;
}

/** The ErrorInfo of a refused call, or undefined when the error carries none. */
export function errorInfo(error: unknown): ConveneErrorInfo | undefined {
  const connectError = ConnectError.from(error);
  const [info] = connectError.findDetails(ErrorInfoSchema);
  if (info === undefined) return undefined;
  return {
    code: connectError.code,
    reason: info.reason,
    domain: info.domain,
    metadata: { ...info.metadata },
    message: connectError.rawMessage,
  };
}

/** The reason alone ("" when there is none). */
export function reasonOf(error: unknown): string {
  return errorInfo(error)?.reason ?? "";
}

/**
 * What a client should do with a refused call, from the error catalog (docs/ERRORS.md):
 * "reauthenticate", "retry", "refresh", "show-message", ... Errors without a catalogued reason:
 * "retry" for transient statuses (UNAVAILABLE, DEADLINE_EXCEEDED), "fix-request" otherwise.
 */
export function clientAction(error: unknown): ClientAction {
  const info = errorInfo(error);
  const entry = info ? ERROR_CATALOG[info.reason] : undefined;
  if (entry) return entry.action;
  const code = ConnectError.from(error).code;
  return code === Code.Unavailable || code === Code.DeadlineExceeded || code === Code.ResourceExhausted
    ? "retry" : code === Code.Unauthenticated ? "reauthenticate" : "fix-request";
}
