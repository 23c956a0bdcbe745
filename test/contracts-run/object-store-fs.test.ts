/** ObjectStoreFs: the ObjectStore contract over the local object store (files and SQLite) in a real data directory. */
import { ObjectStoreFs } from '../../infra/local/layers/object-store-fs'
import { objectStoreContract } from '../contracts/object-store'
import { localNames, localStores } from '../support/local-stores'

afterEach(localStores.cleanUp)

objectStoreContract('local files', () => ObjectStoreFs(localStores.open().store, localNames.bucket), {
  bucket: localNames.bucket,
  backendFailure: {
    failing: () => {
      const stores = localStores.open()
      stores.close()
      return ObjectStoreFs(stores.store, localNames.bucket)
    },
  },
})
