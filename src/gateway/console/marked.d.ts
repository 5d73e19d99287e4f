/**
 * `marked.js` is not in this folder: the gateway serves node_modules/marked's ES module build at
 * /console/marked.js. This declaration lets the type checker see it as the package it is.
 */
export * from "marked";
