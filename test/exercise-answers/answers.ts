/** A wrong and a right source for each exercise cell of one notebook, by exercise ID. */
export type Answers = Record<string, { wrong: string; right: string }>;
