"""cowasm-serve: a collaborative web terminal whose machine is made of WebAssembly programs.

The web layer: `config` (settings), `db` (the sessions table), `terminal` (one shared terminal
and its clients), `manager` (which terminals run, and for how long), `ws_term` (the terminal
WebSocket), `app` (routes), `pages` (HTML pages), `cli` (the `cowasm-serve` command), `attach`
(`cowasm attach`).
The kernel lives in `server.sessions`, the collaborative file tree in `server.files`.
"""
