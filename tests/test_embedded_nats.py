"""The embedded NATS server a test or `make run` starts: a port another process took between
being picked and being bound is picked again, and the server that answers is our own."""

from __future__ import annotations

import socket
from pathlib import Path

import nats

from infra.embedded import NatsNode
from infra.ports import LOOPBACK


async def test_a_client_port_taken_before_the_start_is_picked_again(tmp_path: Path) -> None:
    squatter = socket.socket()
    squatter.bind((LOOPBACK, 0))
    squatter.listen()  # something listens there: a connect to the port alone would succeed
    taken = squatter.getsockname()[1]
    node = NatsNode(name="n1", data_dir=tmp_path / "n1", client_port=taken)
    try:
        node.start()
        assert node.running and node.client_port != taken
        nc = await nats.connect(node.url, connect_timeout=2, allow_reconnect=False)
        try:
            assert nc.connected_server_version.major >= 2
        finally:
            await nc.close()
    finally:
        node.stop()
        squatter.close()
