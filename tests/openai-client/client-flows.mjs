// Runs the official openai client against the gateway and prints what it got as one JSON object.
// Usage: node client-flows.mjs BASE_URL SCENE_PNG REGION1_PNG REGION2_PNG ALPHA_SCENE_PNG
import { readFileSync } from "node:fs";
import OpenAI, { APIError } from "openai";

const [baseURL, scenePath, region1Path, region2Path, alphaPath] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: process.env.OSPREY_API_KEY ?? "unused", maxRetries: 0 });
const dataUrl = (path) => `data:image/png;base64,${readFileSync(path).toString("base64")}`;
const region = (path) => ({ mask: { png: readFileSync(path).toString("base64") } });
const short = " Answer the question using a single word or phrase.";
const result = {};

const models = await client.models.list();
result.models = models.data.map((m) => m.id);
const model = result.models[0];

// Regions travel as a top-level field the SDK passes through untouched.
const firstTurn = [{ role: "user", content: [
  { type: "image_url", image_url: { url: dataUrl(scenePath) } },
  { type: "text", text: "What colour is <region2>?" + short },
] }];
const regions = [region(region1Path), region(region2Path)];
const first = await client.chat.completions.create({ model, messages: firstTurn, regions, temperature: 0, max_tokens: 8 });
result.first = { content: first.choices[0].message.content, finish: first.choices[0].finish_reason, usage: first.usage };

const stream = await client.chat.completions.create({
  model, messages: firstTurn, regions, temperature: 0, max_tokens: 8, stream: true, stream_options: { include_usage: true },
});
let streamed = "";
let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  streamed += chunk.choices[0]?.delta?.content ?? "";
  if (chunk.usage) result.streamUsage = chunk.usage;
}
result.stream = { content: streamed, chunks };

const followUp = await client.chat.completions.create({
  model, regions, temperature: 0, max_tokens: 8,
  messages: [...firstTurn, { role: "assistant", content: result.first.content }, { role: "user", content: "What is <region1>?" + short }],
});
result.followUp = { content: followUp.choices[0].message.content, usage: followUp.usage };

const alpha = await client.chat.completions.create({
  model, temperature: 0, max_tokens: 8,
  messages: [{ role: "user", content: [
    { type: "image_url", image_url: { url: dataUrl(alphaPath) } },
    { type: "text", text: "What colour is <region1>?" + short },
  ] }],
});
result.alpha = { content: alpha.choices[0].message.content };

try {
  await client.chat.completions.create({ model, messages: firstTurn, regions, n: 2 });
  result.refusal = { thrown: false };
} catch (e) {
  result.refusal = { thrown: true, isApiError: e instanceof APIError, status: e.status, type: e.type, param: e.param, message: e.message };
}

console.log(JSON.stringify(result));
