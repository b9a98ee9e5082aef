// The one seeded generator lives in domain; the vectors package re-exports it for its fixtures and bench.
export { mulberry32 } from '@cytoclip/domain';
