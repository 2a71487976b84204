import type { Config } from '../config';
import type { Registry } from '../domain/registry';
import { loadRegistry } from '../files/load';
import type { Registries } from '../registries/registries';

/**
 * The registry runs started in the browser or through the API are sent to: the version in effect of the
 * registries imported here (the first by id when there are several), else the administrator's file.
 */
export function registryForRuns(registries: Registries, config: Config): Registry | undefined {
  const stored = registries.inEffect()[0];
  if (stored) return stored.registry;
  return config.CHIDAO_REGISTRY_FILE ? loadRegistry(config.CHIDAO_REGISTRY_FILE) : undefined;
}

export const NO_REGISTRY =
  'Quản trị viên cần nhập và kích hoạt danh mục đơn vị ở trang Danh mục (/office/registries, hoặc chidao registry import), hoặc đặt CHIDAO_REGISTRY_FILE.';
