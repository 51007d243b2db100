// What ink's devtools import resolves to in dist/vendor (bin/bundle-ui.mjs): the devtools are never loaded there.
export default {};
