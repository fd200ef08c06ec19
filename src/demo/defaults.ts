/** Output folder of the demo when none is given, in the working directory (apart from the demo, for the CLI's help). */
export const DEFAULT_DEMO_OUT = 'neurolens-demo';
