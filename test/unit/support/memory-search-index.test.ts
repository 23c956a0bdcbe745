import { memorySearchIndex } from '../../support/memory-search-index'
import { searchIndexContract } from '../../contracts/search-index'

searchIndexContract('memory', async () => memorySearchIndex().layer)
