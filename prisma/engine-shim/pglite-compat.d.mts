// Types for pglite-compat.mjs.
import { PrismaPGlite } from "pglite-prisma-adapter";

/** PrismaPGlite whose executeScript awaits the script (failing migrations fail), with an
 *  in-memory PGlite shadow database that is closed on dispose. */
export declare class SafePrismaPGlite extends PrismaPGlite {}
