/** UserTableSqlite: the UserTable contract over the local tables in a real data directory. */
import { UserTableSqlite } from '../../infra/local/layers/user-table-sqlite'
import { userTableContract } from '../contracts/user-table'
import { localNames, localStores } from '../support/local-stores'

afterEach(localStores.cleanUp)

userTableContract('SQLite (local tables)', () => UserTableSqlite(localStores.open().tables, localNames.users), {
  backendFailure: {
    failing: () => {
      const stores = localStores.open()
      stores.close()
      return UserTableSqlite(stores.tables, localNames.users)
    },
  },
})
