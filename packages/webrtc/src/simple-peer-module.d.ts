// simple-peer's prebuilt browser bundle: it carries its own Buffer/process shims, so Vite needs no
// Node polyfills. Its API is the one @types/simple-peer describes.
declare module 'simple-peer/simplepeer.min.js' {
  import SimplePeer from 'simple-peer';
  export default SimplePeer;
}
