"""A bare gRPC server that answers every unary call with its request's bytes, for a baseline: no
token check, no database, no work. What one native gRPC round trip costs in Python on this machine,
and, with the gateway in front of it, what the gateway's hop adds by itself.

stdout: "port <n>" once listening.
"""

from __future__ import annotations

import grpc


class Echo(grpc.GenericRpcHandler):
    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        # No serializers: the request's bytes are the response's.
        return grpc.unary_unary_rpc_method_handler(lambda request, context: request)


async def main() -> None:
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((Echo(),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"port {port}", flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
