"""The browser edge: gRPC-Web and the Connect protocol over HTTP/1.1, forwarded as raw bytes to
the services' native gRPC, with CORS, so a web page on another origin reaches every RPC (server
streams included) with its bearer token. It holds no state and decodes no message."""
