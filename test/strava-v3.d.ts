// strava-v3's HTTP layer (CommonJS, no typings of its own): the axios instance every call goes through.
declare module 'strava-v3/axiosUtility.js' {
  import type { AxiosInstance } from 'axios';
  const utility: { axiosInstance: AxiosInstance };
  export default utility;
}
