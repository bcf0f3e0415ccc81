// A counter the request tracker bumps when an answer changes the profile's
// tier, so the tier advisor beside it reloads.
export const consoleBus = $state({ tierChanged: 0 })
