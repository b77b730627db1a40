-- wrk script: POST the JSON body in $BODY_FILE with the app key in $APP_KEY to every target.
local file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("APP_KEY") or "")
