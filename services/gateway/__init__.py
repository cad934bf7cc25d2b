"""The gateway: one browser edge (runtime.browser_edge: gRPC-Web and Connect over HTTP/1.1, CORS)
in front of every service, forwarding each call as raw bytes to the service's native gRPC, so a
page has one address to call where nothing routes by path. It holds no state and decodes no
message. Each service can also serve browsers itself (BROWSER_PORT), a hop fewer."""
