#pragma once
// Python's html.unescape for the entities CLIP's basic_clean meets in captions and prompts: numeric references
// (&#39; &#x27;, with HTML5's replacements for invalid code points) and the named entities of XML and Latin-1
// punctuation (&amp; &lt; &gt; &quot; &apos; &nbsp; …). Other names are left as they are.
#include <string>

namespace lorastudio::text {

std::string html_unescape(const std::string& text);

}  // namespace lorastudio::text
