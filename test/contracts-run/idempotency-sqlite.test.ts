/** IdempotencySqlite: the IdempotencyStore contract over the local database in a real data directory. */
import { IdempotencySqlite } from '../../infra/local/layers/idempotency-sqlite'
import { idempotencyContract } from '../contracts/idempotency'
import { localStores } from '../support/local-stores'

afterEach(localStores.cleanUp)

idempotencyContract('SQLite', () => IdempotencySqlite(localStores.open().db), {
  backendFailure: {
    failing: () => {
      // Statements are prepared when the layer is made, so the database closes after, as it would under a running step.
      const stores = localStores.open()
      const layer = IdempotencySqlite(stores.db)
      stores.close()
      return layer
    },
  },
})
