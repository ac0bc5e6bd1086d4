const tokens = require('fs').readFileSync(0, 'utf8').split(/\s+/).filter(Boolean).map(Number);
const [mode, n] = tokens;
let sum = 0;
for (let i = 0; i < n; i++) sum += tokens[2 + i];
if (mode === 2) process.exit(3);
if (mode === 3) for (;;) {}
console.log(sum + (mode === 1 ? 1 : 0));
