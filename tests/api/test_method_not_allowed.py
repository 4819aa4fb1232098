def test_a_wrong_method_on_an_api_path_answers_json_405(client):
    response = client.delete("/api/v1/units")
    assert response.status_code == 405
    body = response.json()
    assert body["code"] == "method_not_allowed"
    assert "DELETE" in body["message"]
    assert "GET" in body["details"]["allowed"]
    assert "GET" in response["Allow"]


def test_pages_keep_their_own_405(client):
    response = client.post("/audit/")
    assert response.status_code in (302, 405)  # anonymous users go to the login page first
    assert not response.get("Content-Type", "").startswith("application/json")
