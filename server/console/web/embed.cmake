# Embeds the web console (server/console/web/*.html, *.css, *.js) and the chart library into rxgate_console:
# one raw string per file in a generated web_assets.cpp (embedded_web_asset(), used by
# server/console/dashboard.h's find_web_asset).
# The chart library comes from Debian's libjs-chart.js (deploy/setup.sh installs it); nothing is
# fetched at build or run time. RXGATE_CHART_JS may name another copy of a UMD build.
find_file(RXGATE_CHART_JS NAMES chart.umd.js chart.min.js
          PATHS /usr/share/javascript/chart.js NO_DEFAULT_PATH
          DOC "UMD build of Chart.js served at /assets/chart.js")
if(NOT RXGATE_CHART_JS)
  message(FATAL_ERROR "Chart.js not found (looked for /usr/share/javascript/chart.js/chart.umd.js or chart.min.js): "
                      "install Debian's libjs-chart.js (deploy/setup.sh does), or set RXGATE_CHART_JS to a UMD build")
endif()

# Writes `content` to `file` only when it changed, so a reconfigure does not rebuild the server
# for nothing.
function(rxgate_write_if_changed file content)
  set(previous "")
  if(EXISTS ${file})
    file(READ ${file} previous)
  endif()
  if(NOT previous STREQUAL content)
    file(WRITE ${file} "${content}")
  endif()
endfunction()

set(RXGATE_WEB_DIR ${CMAKE_CURRENT_LIST_DIR})

# The pages: web/page.html (head, top bar, sign-in form, the end) around each page's own part
# (web/<name>.part.html, the inside of its #app), composed at configure time into the build
# folder. rxgate_web_page(PATH NAME TITLE .. LINK .. SCRIPTS .. TOKEN_LABEL .. SIGN_IN .. TOKEN_HINT ..
# [HEADER ..]) declares one; LINK is its text in the navigation (the current page first), SCRIPTS
# what it loads after app.css, HEADER extra markup in the top bar before the sign-out button.
set(RXGATE_WEB_PAGES "")
function(rxgate_web_page served name)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "TITLE;LINK;TOKEN_LABEL;SIGN_IN;TOKEN_HINT;HEADER" "SCRIPTS")
  foreach(key TITLE LINK TOKEN_LABEL SIGN_IN TOKEN_HINT HEADER SCRIPTS)
    set(RXGATE_WEB_PAGE_${name}_${key} "${arg_${key}}" PARENT_SCOPE)
  endforeach()
  set(RXGATE_WEB_PAGE_${name}_PATH "${served}" PARENT_SCOPE)
  set(RXGATE_WEB_PAGES ${RXGATE_WEB_PAGES} ${name} PARENT_SCOPE)
endfunction()

rxgate_web_page(/dashboard dashboard
  TITLE "Operations dashboard" LINK "Dashboard" SCRIPTS chart.js common.js dashboard.js
  HEADER "  <span id=\"conn\" class=\"conn\">not connected</span>\n"
  TOKEN_LABEL "Operator token" SIGN_IN "Open the dashboard"
  TOKEN_HINT "An operator or admin token from <span class=\"mono\">rxgate token create --role operator</span>. It stays in this browser tab only.")
rxgate_web_page(/console console
  TITLE "Claim console" LINK "Claim console" SCRIPTS common.js worklist.js pa.js console.js
  TOKEN_LABEL "Access token" SIGN_IN "Open the console"
  TOKEN_HINT "A technician token (scoped to your pharmacies) from <span class=\"mono\">rxgate token create</span>. It stays in this browser tab only.")

file(READ ${RXGATE_WEB_DIR}/page.html RXGATE_WEB_PAGE_TEMPLATE)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${RXGATE_WEB_DIR}/page.html)
set(RXGATE_WEB_PAGE_FILES "")
foreach(name IN LISTS RXGATE_WEB_PAGES)
  set(served ${RXGATE_WEB_PAGE_${name}_PATH})
  foreach(key TITLE TOKEN_LABEL SIGN_IN TOKEN_HINT HEADER)
    set(PAGE_${key} "${RXGATE_WEB_PAGE_${name}_${key}}")
  endforeach()
  set(PAGE_SCRIPTS "")
  foreach(script IN LISTS RXGATE_WEB_PAGE_${name}_SCRIPTS)
    string(APPEND PAGE_SCRIPTS "<script src=\"/assets/${script}\" defer></script>\n")
  endforeach()
  set(PAGE_NAV "<a href=\"${served}\" class=\"here\">${RXGATE_WEB_PAGE_${name}_LINK}</a>")
  foreach(other IN LISTS RXGATE_WEB_PAGES)
    if(NOT other STREQUAL name)
      string(APPEND PAGE_NAV "<a href=\"${RXGATE_WEB_PAGE_${other}_PATH}\">${RXGATE_WEB_PAGE_${other}_LINK}</a>")
    endif()
  endforeach()
  file(READ ${RXGATE_WEB_DIR}/${name}.part.html PAGE_PART)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${RXGATE_WEB_DIR}/${name}.part.html)
  string(CONFIGURE "${RXGATE_WEB_PAGE_TEMPLATE}" composed @ONLY)
  set(page_file ${CMAKE_CURRENT_BINARY_DIR}/web/${name}.html)
  rxgate_write_if_changed(${page_file} "${composed}")
  list(APPEND RXGATE_WEB_PAGE_FILES "${served}|${page_file}|html")
endforeach()

# path served, file, kind (html, css, js: the content type is set below)
set(RXGATE_WEB_ASSETS
  ${RXGATE_WEB_PAGE_FILES}
  "/assets/app.css|${RXGATE_WEB_DIR}/app.css|css"
  "/assets/common.js|${RXGATE_WEB_DIR}/common.js|js"
  "/assets/dashboard.js|${RXGATE_WEB_DIR}/dashboard.js|js"
  "/assets/worklist.js|${RXGATE_WEB_DIR}/worklist.js|js"
  "/assets/pa.js|${RXGATE_WEB_DIR}/pa.js|js"
  "/assets/console.js|${RXGATE_WEB_DIR}/console.js|js"
  "/assets/chart.js|${RXGATE_CHART_JS}|js")

set(RXGATE_WEB_BODIES "")
set(RXGATE_WEB_TABLE "")
set(index 0)
foreach(entry IN LISTS RXGATE_WEB_ASSETS)
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 served)
  list(GET parts 1 file)
  list(GET parts 2 kind)
  if(kind STREQUAL "html")
    set(type "text/html; charset=utf-8")
  elseif(kind STREQUAL "css")
    set(type "text/css; charset=utf-8")
  else()
    set(type "text/javascript; charset=utf-8")
  endif()
  rxgate_embed_file(RXGATE_WEB_BODIES asset_${index} ${file} rxgate_web)
  string(APPEND RXGATE_WEB_TABLE "    {\"${served}\", \"${type}\", {asset_${index}, sizeof asset_${index} - 1}},\n")
  math(EXPR index "${index} + 1")
endforeach()

set(RXGATE_WEB_GENERATED ${CMAKE_CURRENT_BINARY_DIR}/web_assets.cpp)
set(content "// Generated by server/console/web/embed.cmake from server/console/web/ and Debian's libjs-chart.js; edit those.\n")
string(APPEND content "#include \"server/console/dashboard.h\"\n\nnamespace rxgate::server {\nnamespace {\n\n")
string(APPEND content "${RXGATE_WEB_BODIES}\n")
string(APPEND content "constexpr web_asset assets[] = {\n${RXGATE_WEB_TABLE}};\n\n}  // namespace\n\n")
string(APPEND content "const web_asset* embedded_web_asset(std::string_view path) noexcept {\n")
string(APPEND content "  for (const auto& a : assets)\n    if (a.path == path) return &a;\n  return nullptr;\n}\n\n")
string(APPEND content "}  // namespace rxgate::server\n")
rxgate_write_if_changed(${RXGATE_WEB_GENERATED} "${content}")
