/** What a refused call says, as Convene's error catalog (docs/ERRORS.md) documents it. */
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "./gen/google/rpc/error_details_pb.js";

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
