// The target interfaces and Snippet live in lib/model/ (a renderer reads only the model); this file
// keeps the platforms' imports short.
export { HaTargetBase, IHaTarget } from '../model/service-target';
export { Snippet } from '../model/snippet';
