// 免登: inside the DingTalk or Feishu app, ask the app's JS-API for a one-use code for whoever is signed in
// to the app, and come back to the callback with it (and the state this page was given). Without the app
// (or when it refuses) the page offers the password sign-in instead.
(function () {
  "use strict";
  var page = document.getElementById("sso-app");
  if (!page) return;
  var platform = page.dataset.platform;
  function done(code) {
    var url = new URL(page.dataset.callback);
    url.searchParams.set("code", code);
    url.searchParams.set("state", page.dataset.state);
    window.location.replace(url.toString());
  }
  function failed() {
    page.querySelector(".sso-waiting").hidden = true;
    page.querySelector(".sso-failed").hidden = false;
  }
  if (platform === "dingtalk" && window.dd) {
    window.dd.ready(function () {
      window.dd.runtime.permission.requestAuthCode({
        corpId: page.dataset.corpId,
        onSuccess: function (result) { done(result.code); },
        onFail: failed,
      });
    });
    window.dd.error(failed);
  } else if (platform === "feishu" && window.tt) {
    window.tt.requestAuthCode({
      appId: page.dataset.appId,
      success: function (result) { done(result.code); },
      fail: failed,
    });
  } else {
    failed();
  }
})();
