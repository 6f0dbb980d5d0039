// Import this before discord.js or @discordjs/rest (every module here that uses them does, first).
// vega-lite, which draws our charts, adds Set.prototype.toJSON when it loads; the event emitter under
// discord.js and @discordjs/rest (@vladfrangu/async_event_emitter, which bundles node-inspect-extracted
// into both its CommonJS and its ES build) builds Node-style primordials when it loads, calls every
// zero-argument Set method on a probe, and throws on the string toJSON returns. So both builds are
// loaded here, once, with the patch set aside, and the patch is put back straight after.
const toJSON = Object.getOwnPropertyDescriptor(Set.prototype, "toJSON");
if (toJSON) delete (Set.prototype as { toJSON?: unknown }).toJSON;
try {
  await import("discord.js"); // CommonJS: discord.js, @discordjs/ws, @discordjs/rest's CommonJS build
  await import("@discordjs/rest"); // its ES build, which we import directly
} finally {
  if (toJSON) Object.defineProperty(Set.prototype, "toJSON", toJSON);
}

export {};
