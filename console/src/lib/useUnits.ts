// The units of the caller's reach of the given kinds, for a page's filter; loaded once the page is
// mounted (the tree is fetched once per sign-in). Left empty when the tree cannot be read: the
// filter then hides, and the list still shows all of the caller's reach.
import { onMounted, ref } from 'vue'
import * as catalog from '../api/catalog'
import { unitsOfKind, type UnitOption } from './units'

export function useUnits(kinds: string[]) {
  const units = ref<UnitOption[]>([])
  onMounted(async () => {
    try {
      units.value = unitsOfKind(await catalog.unitTree(), kinds)
    } catch {
      units.value = []
    }
  })
  return units
}
