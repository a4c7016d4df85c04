#!/usr/bin/env node
// llama.cpp peer for `osprey bench` (benchmark only; nothing in the product uses Node or llama.cpp).
//
// Runs a GGUF file the bench writes (the bench model's language weights, the same random values the
// engine serves) through llama.cpp's prebuilt CPU build in node-llama-cpp 3.21.1, and prints one JSON
// object. Two modes:
//   bench:  --model F --prefill N --decode-steps S --batch B --threads T --seed K
//           prefill N random tokens (after an untimed warm-up), then decode steps at that context for
//           one sequence and for B sequences evaluated together (one llama.cpp batch per step).
//   logits: --model F --tokens 1,2,3 --top K
//           the next-token probabilities after each prompt position (the K most likely), so a test can
//           compare them with the engine's.
//   session: --model F --prefill N --threads T --seed K [--decode-budget B]
//           prefill N random tokens for one sequence, print {"ready": true, ...}, then for every line
//           {"decode_steps": S} on stdin time S decode steps at that context and print {"decode_step_ms": m};
//           so the bench can alternate llama.cpp's steps with the engine's, both meeting the same
//           moment of a shared machine. Ends when stdin closes.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createInterface } from "node:readline";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const { values: args } = parseArgs({
  options: {
    model: { type: "string" },
    mode: { type: "string", default: "bench" },
    prefill: { type: "string", default: "1100" },
    "decode-steps": { type: "string", default: "6" },
    batch: { type: "string", default: "8" },
    threads: { type: "string", default: "2" },
    seed: { type: "string", default: "1" },
    tokens: { type: "string", default: "" },
    top: { type: "string", default: "10" },
    "decode-budget": { type: "string", default: "512" },
  },
});
if (!args.model) throw new Error("--model is required");
const threads = Number(args.threads);

const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error, maxThreads: threads });
const model = await llama.loadModel({ modelPath: args.model, gpuLayers: 0, useMlock: false });
const version = JSON.parse(readFileSync(new URL("./node_modules/node-llama-cpp/package.json", import.meta.url))).version;

if (args.mode === "session") {
  await session();
  await model.dispose();
  await llama.dispose();
  process.exit(0);
}
const result = args.mode === "logits" ? await logits() : await bench();
await model.dispose();
await llama.dispose();
console.log(JSON.stringify({ node_llama_cpp: version, threads, ...result }));

async function logits() {
  const tokens = args.tokens.split(",").map(Number);
  // K/V in F32 (llama.cpp's default is F16) and no flash attention (its CPU kernel rounds to F16), so an
  // F32 model's probabilities can be compared closely.
  const context = await model.createContext({
    contextSize: Math.max(256, tokens.length), sequences: 1, threads, batchSize: Math.max(256, tokens.length),
    experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32", flashAttention: false,
  });
  const sequence = context.getSequence();
  const items = tokens.map((t) => [t, { generateNext: { probabilities: true } }]);
  const outputs = await sequence.controlledEvaluate(items);
  const top = Number(args.top);
  const positions = outputs.map((o) => [...o.next.probabilities.entries()].slice(0, top));
  await context.dispose();
  return { positions };
}

async function bench() {
  const prefill = Number(args.prefill), steps = Number(args["decode-steps"]), batch = Number(args.batch);
  const random = mulberry32(Number(args.seed));
  // Ids as the engine bench draws them: past the special ids, inside the SentencePiece vocabulary.
  const prompt = Array.from({ length: prefill }, () => 3 + Math.floor(random() * (32000 - 3)));
  const next = 3 + Math.floor(random() * (32000 - 3));
  const perSequence = prefill + steps + 8;

  const single = await model.createContext({ contextSize: perSequence, sequences: 1, threads, batchSize: 512 });
  const sequence = single.getSequence();
  // Warm-up: the first evaluation pages the mapped weights in and picks kernels.
  await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, 64));
  await sequence.clearHistory();
  const prefillMs = await time(() => sequence.evaluateWithoutGeneratingNewTokens(prompt));
  const decodeStepMs = await decodeSteps([sequence], next, steps);
  await single.dispose();

  // contextSize is per sequence: node-llama-cpp allocates sequences × contextSize cells.
  const many = await model.createContext({ contextSize: perSequence, sequences: batch, threads, batchSize: 512 });
  const sequences = Array.from({ length: batch }, () => many.getSequence());
  const batchedPrefillMs = await time(() => Promise.all(sequences.map((s) => s.evaluateWithoutGeneratingNewTokens(prompt))));
  const batchedStepMs = await decodeSteps(sequences, next, steps);
  const batchedContext = sequences[0].contextSize;
  await many.dispose();

  return {
    prefill_tokens: prefill,
    prefill_ms: prefillMs,
    decode_context: prefill,
    decode_step_ms: decodeStepMs,
    batch,
    batched_prefill_ms: batchedPrefillMs,
    batched_context_per_sequence: batchedContext,
    decode_step_batched_ms: batchedStepMs,
  };
}

async function session() {
  const prefill = Number(args.prefill), budget = Number(args["decode-budget"]);
  const random = mulberry32(Number(args.seed));
  const prompt = Array.from({ length: prefill }, () => 3 + Math.floor(random() * (32000 - 3)));
  const next = 3 + Math.floor(random() * (32000 - 3));
  const context = await model.createContext({ contextSize: prefill + budget, sequences: 1, threads, batchSize: 512 });
  const sequence = context.getSequence();
  await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, 64));
  await sequence.clearHistory();
  await sequence.evaluateWithoutGeneratingNewTokens(prompt);
  console.log(JSON.stringify({ ready: true, node_llama_cpp: version, threads, decode_context: prefill }));
  let used = 0;
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let steps;
    try {
      steps = Number(JSON.parse(line).decode_steps);
    } catch (e) {
      // A line that is not JSON is refused like a bad count: the session and its prefilled context stay.
      console.log(JSON.stringify({ error: `not a JSON request: ${e.message}` }));
      continue;
    }
    // Each request adds its steps and a warm-up step to the sequence; past the budget the context is full.
    if (!(steps > 0) || used + steps + 1 > budget) {
      console.log(JSON.stringify({ error: `decode_steps must be 1..${budget - used - 1}` }));
      continue;
    }
    used += steps + 1;
    console.log(JSON.stringify({ decode_step_ms: await decodeSteps([sequence], next, steps) }));
  }
  await context.dispose();
}

/**
 * Median time of one step (as the engine bench summarises its steps): every sequence evaluates one
 * token and samples the next (greedy), together.
 */
async function decodeSteps(sequences, token, steps) {
  const step = () => Promise.all(sequences.map((s) => s.controlledEvaluate([[token, { generateNext: { token: true } }]])));
  await step(); // warm-up
  const times = [];
  for (let i = 0; i < steps; i++) times.push(await time(step));
  times.sort((a, b) => a - b);
  const middle = times.length >> 1;
  return times.length % 2 ? times[middle] : (times[middle - 1] + times[middle]) / 2;
}

async function time(run) {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
