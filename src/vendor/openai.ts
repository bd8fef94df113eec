// Its own bundle (dist/openai-sdk.js): the SDK is ~105 KB, needed only when a lab runs, so the
// extension and the CLI load it on first use instead of at activation.
export { default as OpenAI } from 'openai';
