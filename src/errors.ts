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

export const isUserFacing = (e: unknown): e is UserInputError | NotFoundError | PermissionError | UnavailableError =>
  e instanceof UserInputError || e instanceof NotFoundError || e instanceof PermissionError || e instanceof UnavailableError;
