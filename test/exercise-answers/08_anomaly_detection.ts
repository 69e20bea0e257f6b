import type { Answers } from "./answers";

export const answers: Answers = {
  "1": {
    // The intuition of section 2 (an unseen kind of image is less probable): these models disagree.
    wrong: `const answer1: "above 0.5" | "below 0.5" | undefined = "above 0.5";`,
    right: `const answer1: "above 0.5" | "below 0.5" | undefined = "below 0.5";`,
  },
  "2": {
    // The reconstruction error through the mean code: it ranks the digits as more normal.
    wrong: `const answer2: ((model: vl.Model, x: tf.Tensor2D) => tf.Tensor) | undefined =
  (model, x) => {
    const logits = vl.decode(model, vl.encode(model, x).mu);
    return tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits)), 1);
  };`,
    // The same, minus -log p(x) under independent pixels of Fashion-MNIST (section 4's background).
    right: `const answer2: ((model: vl.Model, x: tf.Tensor2D) => tf.Tensor) | undefined =
  (model, x) => {
    const logits = vl.decode(model, vl.encode(model, x).mu);
    const nll = tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits)), 1);
    const p = tf.tensor1d(Float32Array.from(fashionPixels));
    const background = tf.neg(tf.sum(tf.add(tf.mul(x, tf.log(p)),
      tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p)))), 1));
    return tf.sub(nll, background);
  };`,
  },
};
