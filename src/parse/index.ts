// The text-level grammar of `/crm …`: tokens first, then one decoder per kind of value.
export { tokenize, bracketForm, quoteArg, MAX_COMMAND_LENGTH, type Token } from "./tokenize.ts";
export {
  parseMoney,
  thousandsSeparatorError,
  parseDate,
  parseDuration,
  parseMention,
  parseChannel,
  parseTime,
  parseEmail,
  isValidTimeZone,
  MAX_DURATION_SECONDS,
  type Money,
  type Mention,
  type ChannelRef,
} from "./values.ts";
export { nearest } from "./suggest.ts";
export { TEXT_LIMITS } from "./limits.ts";
