import type { Answers } from "./answers";

/** Both answers to 1 measure the holes the same way; only the conclusion differs. */
const holesAnswer = `const holesOf = (prior: vl.Prior) => {
  const codes = vl.encodeAll(seedOne[2].model, codeSet) as vl.GaussianQ;
  const share = vl.holeShare(codes, prior, { draws: 20000, seed: seed }).share;
  tf.dispose([codes.mu, codes.logVar]);
  return share;
};
const answer1: "more" | "fewer" | undefined =
  holesOf(vl.standardNormalPrior(2)) > holesOf(seedOne[2].prior) ? `;
/** Both answers to 2 compute each component's log-density the same way; only the sum differs. */
const mixtureAnswer = `const answer2:
  | ((z: tf.Tensor2D, mu: tf.Tensor2D, logVar: tf.Tensor2D) => tf.Tensor)
  | undefined = (z, mu, logVar) =>
  tf.tidy(() => {
    const diff = tf.sub(tf.expandDims(z, 1), tf.expandDims(mu, 0));
    const logN = tf.mul(-0.5, tf.sum(tf.add(tf.div(tf.square(diff), tf.exp(logVar)),
      tf.add(logVar, Math.log(2 * Math.PI))), 2));
    return `;

export const answers: Answers = {
  "1": {
    // The opposite of what this run measures (the check's own measurement, made here too).
    wrong: `${holesAnswer}"fewer" : "more";`,
    right: `${holesAnswer}"more" : "fewer";`,
  },
  "2": {
    // Forgets the weights 1/K: K times the mixture's density.
    wrong: `${mixtureAnswer}tf.logSumExp(logN, 1);
  });`,
    right: `${mixtureAnswer}tf.sub(tf.logSumExp(logN, 1), Math.log(mu.shape[0]));
  });`,
  },
};
