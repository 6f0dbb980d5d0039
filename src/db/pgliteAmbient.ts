// PGlite is one session: while an interactive transaction holds it, any other statement waits for it to end.
// Code that opens a transaction and, inside it, calls something that uses the client itself (a domain-event
// handler runs in its claim's transaction and reads through the services; a service calls another) would
// wait on itself until the transaction's 30 s timeout — on PostgreSQL that statement simply takes another
// pooled connection. So on PGlite the client is wrapped: inside a transaction's callback (tracked with
// AsyncLocalStorage, so only that call chain, never a concurrent request), statements through the client go
// to the open transaction, and a nested $transaction runs in it. A concurrent request still waits its turn.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Prisma, PrismaClient } from "../generated/prisma/client.ts";

type Tx = Prisma.TransactionClient;

export function withAmbientTransactions(client: PrismaClient): PrismaClient {
  const ambient = new AsyncLocalStorage<Tx>();
  const $transaction = (arg: unknown, opts?: unknown) => {
    const tx = ambient.getStore();
    if (typeof arg === "function") {
      const fn = arg as (tx: Tx) => Promise<unknown>;
      if (tx) return fn(tx); // nested: part of the transaction already open
      return client.$transaction((t) => ambient.run(t, () => fn(t)), opts as never);
    }
    // a batch: its statements were made through this wrapper, so inside a transaction they already belong to it
    if (tx) return Promise.all(arg as Promise<unknown>[]);
    return client.$transaction(arg as never, opts as never);
  };
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === "$transaction") return $transaction;
      const tx = ambient.getStore();
      if (tx && typeof prop === "string" && prop in tx) {
        const v = (tx as unknown as Record<string, unknown>)[prop];
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(tx) : v;
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
