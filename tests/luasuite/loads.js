// What fengari's test-suite files load, read by node itself, to check tests/lua_suite.py's parse:
// runs each *.test.js with Jest's `test` and fengari's lua/lauxlib/lualib/ltests replaced by
// stubs that record each luaL_load* call, and prints [file, test name, [[chunk, chunk name]...]]
// as JSON, chunks base64 (fengari's own to_luastring makes the bytes).
"use strict";
const fs = require("fs");
const path = require("path");
const Module = require("module");

const suite = path.join(__dirname, "node_modules", "fengari", "test", "test-suite");
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
let loads = null;
const stub = new Proxy({}, {
    get: (_, key) => ({
        LUA_ERRSYNTAX: 3,
        luaL_newstate: () => ({}),
        luaL_loadstring: (L, s) => { loads.push([b64(s), b64(s)]); return 0; },
        luaL_loadbuffer: (L, b, n, name) => { loads.push([b64(b), b64(name)]); return 0; },
        luaL_loadfile: (L, p) => {
            const file = path.join(suite, path.basename(Buffer.from(p).toString()));
            loads.push([b64(fs.readFileSync(file)), b64(Buffer.concat([Buffer.from("@"), p]))]);
            return 0;
        },
    })[key] || (() => undefined),
});
const stubbed = new Set(["../../src/lua.js", "../../src/lauxlib.js", "../../src/lualib.js", "./ltests.js"]);
const require0 = Module.prototype.require;
Module.prototype.require = function (id) {
    return stubbed.has(id) ? stub : require0.apply(this, arguments);
};
const out = [];
for (const file of fs.readdirSync(suite).filter((f) => f.endsWith(".test.js")).sort()) {
    global.test = (name, body) => { loads = []; body(); out.push([file, name, loads]); };
    global.test.skip = global.test;
    require(path.join(suite, file));
}
process.stdout.write(JSON.stringify(out));
