export {
  lookupSpotPlacementScores,
  lowPlacementScoreWarnings,
  MAX_TARGET_CAPACITY,
  PlacementScoreError,
  placementRequestProblems,
} from './spot-placement-scores';
export type { SpotPlacementScore, SpotPlacementScoreRequest, SpotPlacementScores } from './spot-placement-scores';
