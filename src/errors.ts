// Errors a user can cause. Adapters map them once, at the edge, to a short ephemeral reply.

/** Bad input: the reply shows what was wrong and the right form (usage line). */
export class UserInputError extends Error {
  override name = "UserInputError";
  constructor(
    message: string,
    public usage?: string,
  ) {
    super(message);
  }
}

/** A reference (key, email, name) that matches nothing in this workspace. */
export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/** The actor's role does not allow this. */
export class PermissionError extends Error {
  override name = "PermissionError";
}

/** A dependency (database, Redis) is down: ask the user to try again shortly. */
export class UnavailableError extends Error {
  override name = "UnavailableError";
}

/**
 * The run of a command found its invocation claimed already (a request delivered twice, a job taken over
 * by another worker): it wrote nothing. Not the user's doing; the command runner answers it.
 */
export class AlreadyRunError extends Error {
  override name = "AlreadyRunError";
  constructor() {
    super("this invocation was already run");
  }
}

/** The invocation a command runs for, claimed in the command's own write (Command.claimsInWrite). */
export interface InvocationClaim {
  source: "slack" | "discord" | "console";
  key: string;
}

export const isUserFacing = (e: unknown): e is UserInputError | NotFoundError | PermissionError | UnavailableError =>
  e instanceof UserInputError || e instanceof NotFoundError || e instanceof PermissionError || e instanceof UnavailableError;
