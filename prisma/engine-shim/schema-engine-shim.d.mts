// schema-engine-shim.mjs is an executable (the Prisma CLI spawns it); it exports nothing.
export {};
