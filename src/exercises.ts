/**
 * Exercises at the end of a notebook: the reader edits a cell, runs it, and a check cell says
 * whether the answer holds, without ever printing the answer.
 */

/**
 * Checks a reader's answer to exercise `name`. An `answer` still `undefined` (the cell as shipped)
 * is "not attempted"; otherwise `holds(answer)` returns true, or a hint that does not give the
 * answer away. Prints one line: "not attempted yet", "✓ your answer holds" or "✗ not yet" and the hint.
 */
export function checkExercise<T>(
  name: string,
  answer: T | undefined,
  holds: (answer: T) => true | string,
): void {
  if (answer === undefined) {
    console.log(`${name}: not attempted yet. Edit the exercise cell above, run it, then run this cell.`);
    return;
  }
  let verdict: true | string;
  try {
    verdict = holds(answer);
  } catch (err) {
    verdict = `running your answer raised an error: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (verdict === true) {
    console.log(`${name}: ✓ your answer holds.`);
    return;
  }
  console.log(`${name}: ✗ not yet. ${verdict}`);
}
