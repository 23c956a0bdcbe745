/** LedgerSqlite: the Ledger contract over the local database in a real data directory. */
import { LedgerSqlite } from '../../infra/local/layers/ledger-sqlite'
import { ledgerContract } from '../contracts/ledger'
import { localStores } from '../support/local-stores'

afterEach(localStores.cleanUp)

ledgerContract('SQLite', () => LedgerSqlite(localStores.open().db), {
  backendFailure: {
    failing: () => {
      // Statements are prepared when the layer is made, so the database closes after, as it would under a running step.
      const stores = localStores.open()
      const layer = LedgerSqlite(stores.db)
      stores.close()
      return layer
    },
  },
})
