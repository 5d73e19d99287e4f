/**
 * `purify.js` is not in this folder: the gateway serves node_modules/dompurify's ES module build
 * at /console/purify.js. This declaration lets the type checker see it as the package it is.
 */
export { default } from "dompurify";
export * from "dompurify";
