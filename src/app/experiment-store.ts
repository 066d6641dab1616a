/**
 * The app's experiment settings: one zustand store holding the spec of each training view
 * (src/engine/experiment.ts validates it, the same table the command line uses). It is
 * filled once from the link, so settings survive switching views, and every change is
 * written back to the link by the view that shows it.
 */
import { create } from 'zustand';
import { problemDefaultsPatch, specDefaults, specFromParams, type HighDimSpec, type SpecKind, type TrainSpec } from '../engine/spec/experiment';
import { linkView } from './settings';

export interface ExperimentStore {
  train: TrainSpec;
  highdim: HighDimSpec;
  /** What the link got wrong (clamped or replaced values, unknown keys), per view. */
  notices: Record<SpecKind, string[]>;
  /** Change some settings of a view; a new problem brings its own defaults first. */
  update: <K extends SpecKind>(kind: K, patch: Partial<K extends 'train' ? TrainSpec : HighDimSpec>) => void;
}

function fromLink(): Pick<ExperimentStore, 'train' | 'highdim' | 'notices'> {
  // an unknown view name opens Train with the link's settings, and says so
  const { view, notice, params } = linkView();
  const train = view === 'train' ? specFromParams('train', params) : { values: specDefaults('train'), notices: [] };
  const highdim = view === 'highdim' ? specFromParams('highdim', params) : { values: specDefaults('highdim'), notices: [] };
  return { train: train.values, highdim: highdim.values, notices: { train: [...(notice ? [notice] : []), ...train.notices], highdim: highdim.notices } };
}

export const useExperiment = create<ExperimentStore>((set) => ({
  ...fromLink(),
  update: (kind, patch) =>
    set((s) => {
      const old = s[kind] as Record<string, string | number>;
      const pde = (patch as { pde?: string }).pde;
      const fresh = pde !== undefined && pde !== old.pde ? problemDefaultsPatch(kind, pde) : {};
      return { [kind]: { ...old, ...fresh, ...patch } } as Partial<ExperimentStore>;
    }),
}));
