"""Browser tests of the pages in site/, through the framework's `browser` fixture: on the
environment's Selenium Grid when QAtron gives one (`SELENIUM_REMOTE_URL`), else a local Chromium.
A failing test leaves a screenshot and the page source, in the run's artifacts and in Allure."""

from selenium.webdriver.common.by import By


def test_home_page_has_a_title(qatron_page):
    browser = qatron_page("/")
    assert browser.title == "Demo shop"
    assert browser.find_element(By.ID, "heading").text == "Demo shop"


def test_home_page_links_to_the_sign_in_page(qatron_page):
    browser = qatron_page("/")
    browser.find_element(By.ID, "sign-in-link").click()
    assert browser.current_url.endswith("/sign-in.html")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Sign in"
