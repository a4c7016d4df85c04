// "Describe all": one batch request for a short description of every region, each shown under its region.
import { describeRegions } from './api.js';
import { toApiRegions } from './regions.js';
import { showProblem, clearProblem } from './problems.js';

export async function describeAll(store, imageId, problem, retry) {
  const regions = [...store.all];
  if (regions.length === 0) {
    showProblem(problem, new Error('Mark at least one region first.'));
    return;
  }
  clearProblem(problem);
  for (const region of regions) store.describe(region, { state: 'pending', text: 'Describing…' });
  try {
    const descriptions = await describeRegions(imageId, await toApiRegions(regions));
    // The answer is in request order; a region deleted meanwhile is simply not there any more.
    regions.forEach((region, i) => {
      if (store.all.includes(region)) store.describe(region, { state: 'done', text: descriptions[i]?.text ?? '' });
    });
  } catch (failure) {
    for (const region of regions) if (region.description?.state === 'pending') store.describe(region, null);
    showProblem(problem, failure, retry);
  }
}
