import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { openDatabase } from '../../../../../infra/local/kernel/db'
import { SearchIndexSqlite } from '../../../../../infra/local/layers/search-index-sqlite'
import { searchIndexContract } from '../../../../contracts/search-index'

const opened: Array<{ db: DatabaseSync; dir: string }> = []

afterEach(() => {
  for (const { db, dir } of opened.splice(0)) {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

searchIndexContract('SQLite FTS5', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'search-index-'))
  const db = openDatabase(dir)
  opened.push({ db, dir })
  return SearchIndexSqlite(db)
})
