/**
 * Loaded with `node --import` into a process whose peak memory is measured: prints its peak
 * resident set size on the last line of stderr as it exits.
 */
process.on('exit', () => {
  process.stderr.write(`\npeak-rss-mb ${process.resourceUsage().maxRSS / 1024}\n`);
});
