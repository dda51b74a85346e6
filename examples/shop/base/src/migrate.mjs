// Applies migrations/*.json in order: each creates a table (a JSON file in data/) with its seed rows.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dataDir = path.resolve(process.env.SHOP_DATA_DIR ?? 'data');
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });
for (const file of readdirSync('migrations').filter((f) => f.endsWith('.json')).sort()) {
  const m = JSON.parse(readFileSync(path.join('migrations', file), 'utf8'));
  writeFileSync(path.join(dataDir, `${m.table}.json`), JSON.stringify(m.seed ?? []));
  console.log(`migrate: ${file}: created table ${m.table} (${(m.seed ?? []).length} rows)`);
}
