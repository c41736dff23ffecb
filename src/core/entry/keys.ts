// The keys a structured line (JSON, logfmt) names its time, level and message with, the first found winning.

export const TIME_KEYS = ["time", "ts", "timestamp"] as const;
export const LEVEL_KEYS = ["level", "lvl", "severity"] as const;
export const MESSAGE_KEYS = ["msg", "message"] as const;
