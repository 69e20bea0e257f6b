/**
 * A wrong and a right answer to every notebook exercise: the source that replaces the exercise
 * cell (tagged `exercise:ID`). scripts/test-exercises.ts runs both to show each check can fail
 * and pass. Keyed by notebook file name, then exercise ID.
 */
export const EXERCISE_ANSWERS: Record<string, Record<string, { wrong: string; right: string }>> = {};
