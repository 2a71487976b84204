import type { Connection } from '@temporalio/client';
// A default import: the package is CommonJS, and Node's ESM loader sees no named exports in it.
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

const { IndexedValueType } = proto.temporal.api.enums.v1;
const INDEXED: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
};

/** Registers the custom search attributes chidao needs if the namespace lacks them (idempotent). */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<string[]> {
  const have = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !(name in (have.customAttributes ?? {})));
  if (missing.length) {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED[type.toUpperCase()]!])),
    });
  }
  return missing.map(([n]) => n);
}
