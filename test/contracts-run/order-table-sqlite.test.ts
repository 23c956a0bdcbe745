/** OrderTableSqlite: the OrderTable contract over the local tables in a real data directory. */
import { OrderTableSqlite } from '../../infra/local/layers/order-table-sqlite'
import { orderTableContract } from '../contracts/order-table'
import { localNames, localStores } from '../support/local-stores'

afterEach(localStores.cleanUp)

orderTableContract('SQLite (local tables)', () => OrderTableSqlite(localStores.open().tables, localNames.orders), {
  backendFailure: {
    failing: () => {
      const stores = localStores.open()
      stores.close()
      return OrderTableSqlite(stores.tables, localNames.orders)
    },
  },
})
